"""The ``verbatim`` command line. Heavy libraries load inside the commands that need them."""

from __future__ import annotations

import click

from ui.cli_ask import ask_command, show_command
from ui.cli_bench import bench_command
from ui.cli_eval import eval_group
from ui.cli_feeds import add_command, feeds_group
from ui.cli_index import index_command, status_command
from ui.cli_serve import serve_command
from ui.cli_train import train_group
from ui.cli_watch import watch_group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="verbatim-qa")
def main() -> None:
    """Verbatim: answers from your news articles, quoted word for word, with exact citations."""


main.add_command(index_command)
main.add_command(status_command)
main.add_command(ask_command)
main.add_command(show_command)
main.add_command(add_command)
main.add_command(feeds_group)
main.add_command(eval_group)
main.add_command(bench_command)
main.add_command(serve_command)
main.add_command(train_group)
main.add_command(watch_group)

if __name__ == "__main__":
    main()
