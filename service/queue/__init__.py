"""The moderators' queues and their decisions: approve, reject, in bulk or by author."""
