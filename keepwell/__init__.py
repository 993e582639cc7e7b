"""keepwell: the local NHS and its communities, keeping people well together."""
