"""Tool input schemas rewritten for the model backends: pure functions over JSON."""
