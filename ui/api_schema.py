"""The shape of ``POST /api/ask``'s answer, for the OpenAPI document at /docs."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Span(BaseModel):
    """Character offsets into the article's text."""

    start: int
    end: int


class MentionOut(BaseModel):
    """A syndicated copy of the cited article."""

    article_id: str
    title: str
    source: str | None
    date: str | None = Field(description="Its date, YYYY-MM-DD.")
    url: str | None


class CitationOut(BaseModel):
    """One excerpt: ``article.text[start:end] == excerpt`` for the article at /api/articles/{article_id}."""

    n: int = Field(description="The number of its [n] marker in the answer text.")
    article_id: str
    title: str
    date: str | None = Field(description="The article's date, YYYY-MM-DD.")
    source: str | None
    url: str | None
    passage_id: str
    start: int = Field(description="Offset of the excerpt's first character in the article text.")
    end: int = Field(description="Offset just past the excerpt's last character.")
    excerpt: str = Field(description="The article's own words, verbatim.")
    highlight: Span | None = Field(description="The short answer inside the excerpt (article offsets), if any.")
    also_in: list[MentionOut] = Field(
        default_factory=list,
        description="Other articles that published the same text (syndicated copies); not quoted again.",
    )
    page: int | None = Field(
        default=None, description="The page (1-based) the excerpt starts on, for an article with pages (a PDF)."
    )


class AnswerOut(BaseModel):
    """An answer, or a refusal: check ``answered`` before showing ``citations`` as sources."""

    question: str
    answered: bool = Field(description="False when the articles do not answer: a refusal.")
    answer: str = Field(description="The excerpts with [n] markers, or the refusal with its closest matches.")
    confidence: float = Field(description="How sure Verbatim is that the first excerpt answers (0-1).")
    citations: list[CitationOut] = Field(description="What the answer quotes; empty on a refusal.")
    closest: list[CitationOut] = Field(
        description="A refusal's closest passages, which do not answer the question (with ``unsure``: which may "
        "answer it, to check); empty on an answer."
    )
    timeline: list[CitationOut] = Field(
        default_factory=list,
        description="Earlier reports of the same answer in other articles, oldest first, each with its article date; "
        "empty when the answer comes from one day's reports.",
    )
    unsure: bool = Field(
        default=False,
        description="A refusal whose confidence fell short of the threshold but not far (0.2 or more): its closest "
        "passages may answer, for the reader to check. Always false on an answer.",
    )
