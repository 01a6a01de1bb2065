"""The catalogue a read command answers from: its index when it matches the file
(queries/indexed.py), else the file's records in memory (queries/memory.py), which give the same
answers. storage.Store.read decides which, and makes the index again when it can."""

from mieux_cli.model.catalogue import Catalogue
from mieux_cli.queries.memory import MemoryCatalogue
from mieux_cli.storage.catalogue_file import Store
from mieux_cli.storage.file_format import catalogue_of


def open_catalogue(store: Store, progress=None) -> Catalogue:
    """The catalogue for a read (`progress`: Output.progress, shown while a large index is made)."""
    opened = store.read(progress)
    if opened.index is not None:
        from mieux_cli.queries.indexed import IndexedCatalogue

        return IndexedCatalogue(*opened.index, path=opened.path, created=opened.created,
                                migrated_from=opened.migrated_from)

    return catalogue_of(opened.data, opened.path, opened.created, opened.migrated_from, kind=MemoryCatalogue)
