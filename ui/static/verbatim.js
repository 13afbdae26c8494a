// Verbatim's page script: the article drawer and the copy button.
// Article text is put into the page with textContent only, never as HTML.
(() => {
  const drawer = () => document.getElementById("vb-drawer");

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function number(value) {
    const parsed = parseInt(value, 10);
    return Number.isFinite(parsed) ? parsed : null;
  }

  function formatDay(iso) {
    if (!iso) return "";
    const [year, month, day] = iso.split("-").map(Number);
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return `${day} ${months[month - 1]} ${year}`;
  }

  function articleUrl(id) {
    return "/api/articles/" + id.split("/").map(encodeURIComponent).join("/");
  }

  function renderText(container, text, start, end, hlStart, hlEnd) {
    container.replaceChildren();
    if (start === null || end === null || start < 0 || end > text.length || start >= end) {
      container.textContent = text;
      return null;
    }
    container.append(document.createTextNode(text.slice(0, start)));
    const cited = element("mark", "vb-cited");
    cited.id = "vb-cited-span";
    if (hlStart !== null && hlEnd !== null && start <= hlStart && hlEnd <= end && hlStart < hlEnd) {
      cited.append(document.createTextNode(text.slice(start, hlStart)));
      cited.append(element("mark", "vb-short", text.slice(hlStart, hlEnd)));
      cited.append(document.createTextNode(text.slice(hlEnd, end)));
    } else {
      cited.textContent = text.slice(start, end);
    }
    container.append(cited, document.createTextNode(text.slice(end)));
    return cited;
  }

  function markRanges(container, ranges, className) {
    // Wrap each [start, end) of the container's text (its text nodes, in order) in <ins class=...>.
    for (const range of ranges) {
      const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
      const pieces = [];
      let offset = 0;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const length = node.nodeValue.length;
        const a = Math.max(range.start, offset), b = Math.min(range.end, offset + length);
        if (a < b) pieces.push([node, a - offset, b - offset]);
        offset += length;
      }
      for (const [node, a, b] of pieces) {
        const middle = node.splitText(a);
        middle.splitText(b - a);
        const ins = element("ins", className);
        middle.replaceWith(ins);
        ins.append(middle);
      }
    }
  }

  async function openArticle(data) {
    const box = drawer();
    if (!box) return;
    box.replaceChildren(element("div", "vb-drawer-head", "Loading…"));
    box.classList.add("open");
    box.setAttribute("aria-hidden", "false");
    let article;
    try {
      const response = await fetch(articleUrl(data.article));
      if (!response.ok) throw new Error((await response.json()).detail || response.statusText);
      article = await response.json();
    } catch (error) {
      box.replaceChildren(head("This article could not be opened", String(error.message || error)));
      return;
    }
    const meta = [formatDay(article.date), article.source, article.id].filter(Boolean).join(" · ");
    const top = head(article.title, meta);
    if (article.url && /^https?:\/\//i.test(article.url)) {
      const link = element("a", "", "original");
      link.href = article.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      top.querySelector(".vb-meta").append(" · ", link);
    }
    const body = element("div", "vb-article-text");
    body.id = "vb-article-text";
    const mark = renderText(body, article.text, number(data.start), number(data.end), number(data.hlStart), number(data.hlEnd));
    if (article.changes && article.changes.sentences.length) {
      const count = article.changes.sentences.length;
      const when = formatDay(article.changes.at.slice(0, 10));
      const note = element("div", "vb-changes-note", `Updated ${when}: ${count} sentence${count === 1 ? "" : "s"} added or changed (underlined).`);
      top.querySelector("div").append(note);
      markRanges(body, article.changes.sentences, "vb-changed");
    }
    box.replaceChildren(top, body);
    if (mark) mark.scrollIntoView({ block: "center" });
    box.querySelector(".vb-close").focus({ preventScroll: true });
  }

  function head(title, meta) {
    const top = element("div", "vb-drawer-head");
    const text = element("div");
    text.append(element("h3", "", title), element("div", "vb-meta", meta));
    const close = element("button", "vb-close", "×");
    close.type = "button";
    close.title = "Close the article";
    close.setAttribute("aria-label", "Close the article");
    close.dataset.closeDrawer = "1";
    top.append(text, close);
    return top;
  }

  function close() {
    const box = drawer();
    if (box) {
      box.classList.remove("open");
      box.setAttribute("aria-hidden", "true");
    }
  }

  async function copy(button) {
    const text = button.dataset.copy || "";
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      const area = element("textarea");
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  }

  async function watch(button) {
    button.disabled = true;
    try {
      const response = await fetch("/api/watches", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ question: button.dataset.watch }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.detail || response.statusText);
      button.textContent = body.created ? "Watching: see the Watching tab" : "Already watched: see the Watching tab";
      button.classList.add("vb-watching");
    } catch (error) {
      button.disabled = false;
      button.textContent = "Could not watch: " + String(error.message || error);
    }
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const source = target.closest("[data-article]");
    if (source) {
      event.preventDefault();
      openArticle(source.dataset);
      return;
    }
    const watcher = target.closest("[data-watch]");
    if (watcher) {
      event.preventDefault();
      watch(watcher);
      return;
    }
    const copier = target.closest("[data-copy]");
    if (copier) {
      event.preventDefault();
      copy(copier);
      return;
    }
    if (target.closest("[data-close-drawer]")) close();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });

  // A link to an article's cited characters (the watches' Atom feed gives them): /?article=ID&start=S&end=E
  // opens the article at that span once the page (and its drawer) is there.
  const linked = new URLSearchParams(window.location.search);
  if (linked.get("article")) {
    const wanted = { article: linked.get("article"), start: linked.get("start"), end: linked.get("end") };
    const tryOpen = (left) => {
      if (drawer()) openArticle(wanted);
      else if (left > 0) setTimeout(() => tryOpen(left - 1), 250);
    };
    tryOpen(40);
  }

  // A new answer: bring its top into view (the question box stays below it, sticky).
  let turns = 0;
  new MutationObserver(() => {
    const all = document.querySelectorAll(".vb-turn");
    if (all.length > turns && all[all.length - 1].querySelector(".vb-a")) {
      all[all.length - 1].scrollIntoView({ block: "start" });
    }
    turns = all.length;
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
