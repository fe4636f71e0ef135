"""(placeholder: filled in by its owner)"""

from collections.abc import Callable

from sqlalchemy.orm import Session


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    progress("证照自助登记")
