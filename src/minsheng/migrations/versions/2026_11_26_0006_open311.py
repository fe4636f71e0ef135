"""open311

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

The Open311 GeoReport v2 endpoint: integrations' API keys, the requests and updates they
sent, and each category's extra questions (the service definition's attributes). The new
"open311" channel needs no change: channels are stored as plain strings.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minsheng.core.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open311_api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_open311_api_key_created_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_api_key_key_hash")),
    )
    op.create_table(
        "category_attribute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("variable", sa.Boolean(), nullable=False),
        sa.Column(
            "datatype",
            sa.Enum(
                "string",
                "number",
                "datetime",
                "text",
                "singlevaluelist",
                "multivaluelist",
                name="datatype",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("datatype_description", sa.String(length=200), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("created_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_category_attribute_category_id_category"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_attribute")),
        sa.UniqueConstraint("category_id", "code", name=op.f("uq_category_attribute_category_id")),
    )
    with op.batch_alter_table("category_attribute", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_category_attribute_category_id"), ["category_id"], unique=False
        )

    op.create_table(
        "open311_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("media_url", sa.String(length=1000), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["open311_api_key.id"],
            name=op.f("fk_open311_request_api_key_id_open311_api_key"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["citizen_request.id"],
            name=op.f("fk_open311_request_request_id_citizen_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_request")),
        sa.UniqueConstraint("request_id", name=op.f("uq_open311_request_request_id")),
        sa.UniqueConstraint("token", name=op.f("uq_open311_request_token")),
    )
    with op.batch_alter_table("open311_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_open311_request_api_key_id"), ["api_key_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_open311_request_fingerprint"), ["fingerprint"], unique=False
        )

    op.create_table(
        "open311_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("client_update_id", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("updated_at_client", minsheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("media_url", sa.String(length=1000), nullable=False),
        sa.Column("created_at", minsheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["open311_api_key.id"],
            name=op.f("fk_open311_update_api_key_id_open311_api_key"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["request_event.id"],
            name=op.f("fk_open311_update_event_id_request_event"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["citizen_request.id"],
            name=op.f("fk_open311_update_request_id_citizen_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_update")),
        sa.UniqueConstraint(
            "api_key_id", "client_update_id", name=op.f("uq_open311_update_api_key_id")
        ),
    )
    with op.batch_alter_table("open311_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_open311_update_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("open311_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_update_request_id"))
    op.drop_table("open311_update")
    with op.batch_alter_table("open311_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_request_fingerprint"))
        batch_op.drop_index(batch_op.f("ix_open311_request_api_key_id"))
    op.drop_table("open311_request")
    with op.batch_alter_table("category_attribute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_attribute_category_id"))
    op.drop_table("category_attribute")
    op.drop_table("open311_api_key")
