"""(placeholder: the rules helper writes the automatic checks here)"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from minsheng.licensing.models import Application


@dataclass(frozen=True)
class RuleResult:
    code: str  # stable, e.g. "name.banned_words"
    label: str  # 名称禁用字词
    passed: bool
    message: str  # the reason, in Chinese, shown to the applicant and the registrar

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "label": self.label,
            "passed": self.passed,
            "message": self.message,
        }


def evaluate(db: Session, *, app: Application) -> list[RuleResult]:
    """Every automatic check on the application, in the order shown."""
    return []
