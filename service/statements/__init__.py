"""Statements of reasons (DSA Art. 17): one to the author for every restriction of a comment or
an account, by a person or automatically, stored, audited and sent as a notification."""
