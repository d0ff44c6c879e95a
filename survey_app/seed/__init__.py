"""Data a deployment starts with (instruments, fields, plan targets: `reference`) and the
fictional demo locality (`demo`)."""
