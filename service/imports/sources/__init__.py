"""Readers of other systems' exports: each yields `SourceComment`s (or `Skipped`) in the order
the file holds them, streaming, and raises `MalformedSource` naming where the file is wrong.
They know no database."""
