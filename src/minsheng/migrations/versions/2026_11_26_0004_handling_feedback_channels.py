"""handling feedback channels

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Handling (co-units, photos, extensions, priority, due colours), ratings, and the places
requests come from: QR suggestion boxes, reception days, managed estates.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minsheng.core.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reception_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("deputies", sa.String(length=500), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["region.id"],
            name=op.f("fk_reception_day_town_id_region"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_day")),
    )
    with op.batch_alter_table("reception_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reception_day_held_on"), ["held_on"], unique=False)

    op.create_table(
        "estate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("buildings", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["region.id"],
            name=op.f("fk_estate_community_id_region"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["region.id"], name=op.f("fk_estate_town_id_region"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_estate_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estate")),
    )
    op.create_table(
        "qr_box",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["region.id"],
            name=op.f("fk_qr_box_community_id_region"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["region.id"], name=op.f("fk_qr_box_town_id_region"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_qr_box_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qr_box")),
        sa.UniqueConstraint("code", name=op.f("uq_qr_box_code")),
    )
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column(
            "satisfaction",
            sa.Enum(
                "satisfied",
                "basic",
                "dissatisfied",
                name="satisfaction",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "via",
            sa.Enum("link", "sms", "phone", "api", name="ratedvia", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("rated_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff_user.id"],
            name=op.f("fk_rating_recorded_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["citizen_request.id"],
            name=op.f("fk_rating_request_id_citizen_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_rating_unit_id_unit"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint("request_id", "round", name=op.f("uq_rating_request_id")),
    )
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rating_request_id"), ["request_id"], unique=False)

    op.create_table(
        "request_co_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=500), nullable=False),
        sa.Column("accepted_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["citizen_request.id"],
            name=op.f("fk_request_co_unit_request_id_citizen_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_request_co_unit_unit_id_unit"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_co_unit")),
        sa.UniqueConstraint("request_id", "unit_id", name=op.f("uq_request_co_unit_request_id")),
    )
    with op.batch_alter_table("request_co_unit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_co_unit_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_request_co_unit_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "request_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "refused",
                name="extensionstatus",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("due_before", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_after", minsheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_user.id"],
            name=op.f("fk_request_extension_decided_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["citizen_request.id"],
            name=op.f("fk_request_extension_request_id_citizen_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["staff_user.id"],
            name=op.f("fk_request_extension_requested_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_extension")),
    )
    with op.batch_alter_table("request_extension", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_extension_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "request_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["request_event.id"],
            name=op.f("fk_request_photo_event_id_request_event"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["citizen_request.id"],
            name=op.f("fk_request_photo_request_id_citizen_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_photo")),
        sa.UniqueConstraint("key", name=op.f("uq_request_photo_key")),
    )
    with op.batch_alter_table("request_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_photo_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("citizen_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "priority",
                sa.Enum(
                    "emergency",
                    "urgent",
                    "normal",
                    "complex",
                    name="priority",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="normal",
            )
        )
        batch_op.add_column(
            sa.Column("dispatched_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "outcome",
                sa.Enum(
                    "resolved",
                    "explained",
                    "not_ours",
                    "merged",
                    name="outcome",
                    native_enum=False,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "due_colour",
                sa.Enum("none", "yellow", "red", name="duecolour", native_enum=False, length=10),
                nullable=False,
                server_default="none",
            )
        )
        batch_op.add_column(
            sa.Column("escalated_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("qr_box_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reception_day_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("estate_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("building", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_citizen_request_estate_id_estate"),
            "estate",
            ["estate_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_citizen_request_qr_box_id_qr_box"),
            "qr_box",
            ["qr_box_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_citizen_request_reception_day_id_reception_day"),
            "reception_day",
            ["reception_day_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("citizen_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_citizen_request_reception_day_id_reception_day"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_citizen_request_qr_box_id_qr_box"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_citizen_request_estate_id_estate"), type_="foreignkey"
        )
        batch_op.drop_column("building")
        batch_op.drop_column("estate_id")
        batch_op.drop_column("reception_day_id")
        batch_op.drop_column("qr_box_id")
        batch_op.drop_column("public")
        batch_op.drop_column("flagged")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("due_colour")
        batch_op.drop_column("outcome")
        batch_op.drop_column("dispatched_at")
        batch_op.drop_column("priority")

    with op.batch_alter_table("request_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_photo_request_id"))

    op.drop_table("request_photo")
    with op.batch_alter_table("request_extension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_extension_request_id"))

    op.drop_table("request_extension")
    with op.batch_alter_table("request_co_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_co_unit_unit_id"))
        batch_op.drop_index(batch_op.f("ix_request_co_unit_request_id"))

    op.drop_table("request_co_unit")
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_request_id"))

    op.drop_table("rating")
    op.drop_table("qr_box")
    op.drop_table("estate")
    with op.batch_alter_table("reception_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reception_day_held_on"))

    op.drop_table("reception_day")
