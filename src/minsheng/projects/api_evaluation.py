"""Placeholder: filled in by the step that owns it (see /work/notes/projects_contract.md)."""

from fastapi import APIRouter

router = APIRouter()
