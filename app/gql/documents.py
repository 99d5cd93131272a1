"""Operations a client sends again and again are parsed and validated once.

A mobile client or the console sends the same few operations (those in `graphql/`) with
new variables each time. Parsing a document and running the validation rules over it
(the specification's, the depth, alias and introspection limits) costs more than a
millisecond per request for an inbox query; a document that parsed and validated cleanly
is kept, by its text, and reused as it is (graphql-core never changes a document while
executing it). Nothing that depends on the request is cached: the variables are checked
on every request (NUL characters, types), and a document with errors is parsed and
validated anew each time, so its errors speak the caller's language.

The cache belongs to one schema (its rules never change) and is bounded: at most
`MAX_DOCUMENTS` documents of at most `MAX_CACHED_CHARS` characters each, least recently
used out first.
"""

from collections import OrderedDict
from collections.abc import Callable, Iterator

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

MAX_DOCUMENTS = 256
MAX_CACHED_CHARS = 16_384


class Documents:
    """The clean documents of one schema, by their text."""

    def __init__(
        self, max_documents: int = MAX_DOCUMENTS, max_chars: int = MAX_CACHED_CHARS
    ) -> None:
        self.max_documents = max_documents
        self.max_chars = max_chars
        self._clean: OrderedDict[str, DocumentNode] = OrderedDict()

    def get(self, query: str) -> DocumentNode | None:
        document = self._clean.get(query)
        if document is not None:
            self._clean.move_to_end(query)
        return document

    def keep(self, query: str, document: DocumentNode) -> None:
        if len(query) > self.max_chars:
            return
        self._clean[query] = document
        self._clean.move_to_end(query)
        while len(self._clean) > self.max_documents:
            self._clean.popitem(last=False)

    def __len__(self) -> int:
        return len(self._clean)

    def extension(self) -> Callable[[], SchemaExtension]:
        """A factory of the per-request extension that reads and fills this cache."""
        return lambda: _Reuse(self)


class _Reuse(SchemaExtension):
    def __init__(self, documents: Documents) -> None:
        super().__init__()
        self._documents = documents
        self._reused = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            document = self._documents.get(context.query)
            if document is not None:
                context.graphql_document = document
                self._reused = True
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        # Extensions before this one check the request itself (the variables): an error
        # they found stands, and the rules need not run again over a clean document.
        if self._reused and context.pre_execution_errors is None:
            context.pre_execution_errors = []
        yield
        if (
            not self._reused
            and context.pre_execution_errors == []
            and context.query is not None
            and context.graphql_document is not None
        ):
            self._documents.keep(context.query, context.graphql_document)
