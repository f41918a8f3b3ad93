"""Small helpers several test packages share (importable, unlike fixtures in a package's conftest)."""
