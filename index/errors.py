"""Errors of the index package; each message says what to do about it."""

from __future__ import annotations


class VerbatimIndexError(Exception):
    """Base class: something about the index needs the user's attention."""


class SettingsMismatchError(VerbatimIndexError):
    """The index was built with another model or other chunking settings."""


class StoreUnavailableError(VerbatimIndexError):
    """The vector store (a Chroma server) cannot be reached."""


class IndexBusyError(VerbatimIndexError):
    """Another process is writing the index."""


class EmptyIndexError(VerbatimIndexError):
    """Nothing has been indexed yet."""


class UnknownArticleError(VerbatimIndexError):
    """No article with that id is indexed."""


class ModelLoadError(VerbatimIndexError):
    """The embedding model could not be loaded from local files."""


class LeaseLostError(VerbatimIndexError):
    """A writer's lease expired and another writer took the index over: this writer must stop."""


class ReadOnlyIndexError(VerbatimIndexError):
    """This process reads another's catalog (``--catalog-url``) and so cannot write the index."""


class CatalogSessionError(VerbatimIndexError):
    """A snapshot session is unknown or expired, or the call is not one the catalog serves."""


class CatalogShareError(CatalogSessionError):
    """One client holds its fair share of the snapshot sessions already; the others keep theirs."""


class DeviceError(VerbatimIndexError):
    """The device asked for (``--device cuda``) is not there."""
