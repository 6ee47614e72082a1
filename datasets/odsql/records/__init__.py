"""The Explore API v2.1 over published records tables: ODSQL clauses compiled to SQL (``query.py``)."""

from datasets.odsql.records.query import CompiledQuery, RecordsQuery, compile_records_query

__all__ = ["CompiledQuery", "RecordsQuery", "compile_records_query"]
