"""A municipality's cluster must belong to the municipality's own region.

A check constraint cannot read another table, so a trigger enforces it in the database; the
model's clean() gives the form-level message.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER municipality_cluster_region_{op}
    BEFORE {OP} ON municipalities_municipality
    FOR EACH ROW WHEN NEW.cluster_id IS NOT NULL AND NEW.region_id IS NOT
        (SELECT region_id FROM municipalities_cluster WHERE id = NEW.cluster_id)
    BEGIN
        SELECT RAISE(ABORT, 'municipality_cluster_in_own_region');
    END;
    """.format(op=op, OP=op.upper())
    for op in ("insert", "update")
]
SQLITE_DROP = [f"DROP TRIGGER municipality_cluster_region_{op};" for op in ("insert", "update")]

POSTGRESQL = [
    """
    CREATE FUNCTION municipality_cluster_in_own_region() RETURNS trigger AS $$
    BEGIN
        IF NEW.cluster_id IS NOT NULL AND NEW.region_id IS DISTINCT FROM
            (SELECT region_id FROM municipalities_cluster WHERE id = NEW.cluster_id) THEN
            RAISE EXCEPTION 'municipality_cluster_in_own_region'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER municipality_cluster_region
    BEFORE INSERT OR UPDATE ON municipalities_municipality
    FOR EACH ROW EXECUTE FUNCTION municipality_cluster_in_own_region();
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER municipality_cluster_region ON municipalities_municipality;",
    "DROP FUNCTION municipality_cluster_in_own_region();",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor_statements = statements.get(schema_editor.connection.vendor, [])
        for statement in vendor_statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("municipalities", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        ),
    ]
