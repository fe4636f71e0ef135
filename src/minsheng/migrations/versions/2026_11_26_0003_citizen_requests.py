"""citizen requests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Citizen requests with their timeline, and the daily tracking-number counter.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minsheng.core.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracking_counter",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_tracking_counter")),
    )
    op.create_table(
        "citizen_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=20), nullable=False),
        sa.Column("follow_token_hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "qr_box",
                "web",
                "hotline",
                "window",
                "reception_day",
                "property_repair",
                "inspection",
                "api",
                name="channel",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("contact_name", sa.String(length=40), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "triage",
                "dispatched",
                "in_progress",
                "closed",
                "merged",
                name="status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("received_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("response_due_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolve_due_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_citizen_request_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["staff_user.id"],
            name=op.f("fk_citizen_request_entered_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["citizen_request.id"],
            name=op.f("fk_citizen_request_merged_into_id_citizen_request"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
            name=op.f("fk_citizen_request_region_id_region"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_citizen_request_resident_id_resident"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["region.id"],
            name=op.f("fk_citizen_request_town_id_region"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_citizen_request_unit_id_unit"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_request")),
        sa.UniqueConstraint("follow_token_hash", name=op.f("uq_citizen_request_follow_token_hash")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_citizen_request_idempotency_key")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_citizen_request_tracking_number")),
    )
    with op.batch_alter_table("citizen_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_citizen_request_town_received", ["town_id", "received_at"], unique=False
        )
        batch_op.create_index("ix_citizen_request_unit_status", ["unit_id", "status"], unique=False)

    op.create_table(
        "request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["citizen_request.id"],
            name=op.f("fk_request_event_request_id_citizen_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_request_event_unit_id_unit"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_event")),
    )
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_event_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_event_request_id"))

    op.drop_table("request_event")
    with op.batch_alter_table("citizen_request", schema=None) as batch_op:
        batch_op.drop_index("ix_citizen_request_unit_status")
        batch_op.drop_index("ix_citizen_request_town_received")

    op.drop_table("citizen_request")
    op.drop_table("tracking_counter")
