"""The run: the turn loop, the tool calls of a turn, and runs as event streams."""
