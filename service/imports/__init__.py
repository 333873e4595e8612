"""Moving in: comments from Disqus, WordPress, Isso or JSON Lines, read into the service's own
tables (threads as articles, replies as replies, authors as accounts that cannot sign in)."""
