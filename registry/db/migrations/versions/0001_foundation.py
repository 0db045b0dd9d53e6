"""foundation

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column(
            "before", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column(
            "after", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_audit_entries_entry_hash")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_action"), ["action"], unique=False)

    op.create_table(
        "authorities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("division_code", sa.String(length=6), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorities")),
        sa.UniqueConstraint("division_code", name=op.f("uq_authorities_division_code")),
    )
    op.create_table(
        "departments",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column(
            "predecessors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "signatory_2016",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_departments")),
    )
    op.create_table(
        "enterprises",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("division_code", sa.String(length=6), nullable=False),
        sa.Column("reg_division", sa.String(length=6), nullable=False),
        sa.Column("industry", sa.String(length=32), nullable=False),
        sa.Column("scale", sa.String(length=16), nullable=False),
        sa.Column("parent_uscc", sa.String(length=18), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "flags", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("uscc", name=op.f("uq_enterprises_uscc")),
    )
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_index("ix_enterprises_division_uscc", ["division_code", "uscc"], unique=False)
        batch_op.create_index("ix_enterprises_industry_division", ["industry", "division_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprises_parent_uscc"), ["parent_uscc"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("id_masked", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_persons_id_hash")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=True),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name=op.f("fk_accounts_authority_id_authorities")
        ),
        sa.ForeignKeyConstraint(
            ["department_code"], ["departments.code"], name=op.f("fk_accounts_department_code_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("client_id", name=op.f("uq_accounts_client_id")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_authority_id"), ["authority_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_department_code"), ["department_code"], unique=False)

    op.create_table(
        "agencies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kinds", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_agencies_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("enterprise_id", name=op.f("uq_agencies_enterprise_id")),
    )
    op.create_table(
        "authority_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name=op.f("fk_authority_names_authority_id_authorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authority_names")),
    )
    with op.batch_alter_table("authority_names", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_authority_names_authority_id"), ["authority_id"], unique=False)

    op.create_table(
        "enterprise_aliases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_enterprise_aliases_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_aliases")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_enterprise_aliases_kind")),
    )
    with op.batch_alter_table("enterprise_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_aliases_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "enterprise_names",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("recorded_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_enterprise_names_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_names")),
    )
    with op.batch_alter_table("enterprise_names", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_names_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "enterprise_operating_divisions",
        sa.Column("enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("division_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_operating_divisions_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("enterprise_id", "division_code", name=op.f("pk_enterprise_operating_divisions")),
    )
    with op.batch_alter_table("enterprise_operating_divisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_operating_divisions_division_code"), ["division_code"], unique=False
        )

    op.create_table(
        "person_roles",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("recorded_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_person_roles_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_person_roles_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_roles")),
    )
    with op.batch_alter_table("person_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_roles_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_roles_person_id"), ["person_id"], unique=False)

    op.create_table(
        "agency_qualifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agency_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("recorded_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_qualifications_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_qualifications")),
    )
    with op.batch_alter_table("agency_qualifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_qualifications_agency_id"), ["agency_id"], unique=False)

    _append_only_triggers()
    if op.get_bind().dialect.name == "postgresql":
        # name fragment search at national scale: a trigram GIN index serves LIKE '%...%'
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_enterprises_name_trgm",
            "enterprises",
            ["name"],
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        )
    departments = sa.table(
        "departments",
        sa.column("code"),
        sa.column("name"),
        sa.column("name_en"),
        sa.column("predecessors", sa.JSON),
        sa.column("signatory_2016", sa.JSON),
    )
    op.bulk_insert(
        departments,
        [
            {"code": c, "name": n, "name_en": en, "predecessors": pre, "signatory_2016": sig}
            for c, n, en, pre, sig in DEPARTMENTS
        ],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_enterprises_name_trgm")
        op.execute("DROP FUNCTION IF EXISTS registry_refuse_change() CASCADE")
    with op.batch_alter_table("agency_qualifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_qualifications_agency_id"))

    op.drop_table("agency_qualifications")
    with op.batch_alter_table("person_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_roles_person_id"))
        batch_op.drop_index(batch_op.f("ix_person_roles_enterprise_id"))

    op.drop_table("person_roles")
    with op.batch_alter_table("enterprise_operating_divisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_operating_divisions_division_code"))

    op.drop_table("enterprise_operating_divisions")
    with op.batch_alter_table("enterprise_names", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_names_enterprise_id"))

    op.drop_table("enterprise_names")
    with op.batch_alter_table("enterprise_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_aliases_enterprise_id"))

    op.drop_table("enterprise_aliases")
    with op.batch_alter_table("authority_names", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authority_names_authority_id"))

    op.drop_table("authority_names")
    op.drop_table("agencies")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_department_code"))
        batch_op.drop_index(batch_op.f("ix_accounts_authority_id"))

    op.drop_table("accounts")
    op.drop_table("persons")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_parent_uscc"))
        batch_op.drop_index("ix_enterprises_industry_division")
        batch_op.drop_index("ix_enterprises_division_uscc")

    op.drop_table("enterprises")
    op.drop_table("departments")
    op.drop_table("authorities")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_action"))

    op.drop_table("audit_entries")


#: Append-only tables: a change would rewrite history, so the database itself refuses it.
APPEND_ONLY = ("audit_entries", "enterprise_names", "authority_names")

# The 18 signatories of 发改财金〔2016〕1001号 (DOMAIN section 1.1, [C]) mapped onto today's
# departments (DOMAIN section 0; the 2018/2023 reorganisations are tagged [R] there).
# (code, name, English name, predecessors with the month they ended, names as signed in 2016)
DEPARTMENTS = [
    ("ndrc", "国家发展和改革委员会", "National Development and Reform Commission", [], ["国家发展改革委"]),
    ("pbc", "中国人民银行", "People's Bank of China", [], ["人民银行"]),
    (
        "mem",
        "应急管理部",
        "Ministry of Emergency Management",
        [{"name": "国家安全生产监督管理总局", "until": "2018-03"}],
        ["安全监管总局"],
    ),
    ("civilization_office", "中央精神文明建设指导委员会办公室", "Central Civilization Office", [], ["中央文明办"]),
    ("most", "科学技术部", "Ministry of Science and Technology", [], ["科技部"]),
    ("mof", "财政部", "Ministry of Finance", [], ["财政部"]),
    ("mohrss", "人力资源和社会保障部", "Ministry of Human Resources and Social Security", [], ["人力资源社会保障部"]),
    (
        "mnr",
        "自然资源部",
        "Ministry of Natural Resources",
        [{"name": "国土资源部", "until": "2018-03"}],
        ["国土资源部"],
    ),
    (
        "mee",
        "生态环境部",
        "Ministry of Ecology and Environment",
        [{"name": "环境保护部", "until": "2018-03"}],
        ["环境保护部"],
    ),
    ("mohurd", "住房和城乡建设部", "Ministry of Housing and Urban-Rural Development", [], ["住房城乡建设部"]),
    (
        "sasac",
        "国务院国有资产监督管理委员会",
        "State-owned Assets Supervision and Administration Commission",
        [],
        ["国资委"],
    ),
    ("customs", "海关总署", "General Administration of Customs", [], ["海关总署"]),
    ("sta", "国家税务总局", "State Taxation Administration", [], ["税务总局"]),
    (
        "samr",
        "国家市场监督管理总局",
        "State Administration for Market Regulation",
        [
            {"name": "国家工商行政管理总局", "until": "2018-03"},
            {"name": "国家质量监督检验检疫总局", "until": "2018-03"},
        ],
        ["工商总局", "质检总局"],
    ),
    (
        "nfra",
        "国家金融监督管理总局",
        "National Financial Regulatory Administration",
        [
            {"name": "中国银行业监督管理委员会", "until": "2018-03"},
            {"name": "中国保险监督管理委员会", "until": "2018-03"},
            {"name": "中国银行保险监督管理委员会", "until": "2023-05"},
        ],
        ["银监会", "保监会"],
    ),
    ("csrc", "中国证券监督管理委员会", "China Securities Regulatory Commission", [], ["证监会"]),
]


def _append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION registry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION USING MESSAGE = 'append-only table: ' || TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION registry_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_change()"
            )
    else:
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
