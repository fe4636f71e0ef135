"""Practical projects (实事项目) run with the six-step method (六步工作法)."""
