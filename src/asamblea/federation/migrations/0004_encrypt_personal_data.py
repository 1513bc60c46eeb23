"""Names, contact details and decision reasons become ciphertext (see federation/crypto.py).

The columns turn to text (ciphertext is longer than the names were allowed to be),
then every existing value is encrypted in place; backwards, decrypted in place, then
the columns narrow again. Raw SQL: the models of this migration would decrypt on load.
"""

from django.db import migrations

import asamblea.federation.fields
from asamblea.federation import crypto

COLUMNS = {
    "person": ["full_name", "phone", "email"],
    "membership": ["reason"],
}


def _rewrite(apps, schema_editor, change):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for model_name, fields in COLUMNS.items():
        model = apps.get_model("federation", model_name)
        table = quote(model._meta.db_table)
        columns = [quote(model._meta.get_field(name).column) for name in fields]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {', '.join(columns)} FROM {table}")
            rows = cursor.fetchall()
            for row_id, *values in rows:
                new = [change(value) for value in values]
                if new != values:
                    sets = ", ".join(f"{column} = %s" for column in columns)
                    cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*new, row_id])


def encrypt_rows(apps, schema_editor):
    ring = crypto.keyring()
    _rewrite(
        apps,
        schema_editor,
        lambda value: value if crypto.stored_key_id(value) else crypto.encrypt(value, ring),
    )


def decrypt_rows(apps, schema_editor):
    _rewrite(
        apps,
        schema_editor,
        lambda value: crypto.decrypt(value) if crypto.stored_key_id(value) else value,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0003_contacts_never_join_people"),
    ]

    operations = [
        migrations.AlterField(
            model_name="membership",
            name="reason",
            field=asamblea.federation.fields.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="person",
            name="email",
            field=asamblea.federation.fields.EncryptedTextField(blank=True, max_length=254),
        ),
        migrations.AlterField(
            model_name="person",
            name="full_name",
            field=asamblea.federation.fields.EncryptedTextField(max_length=200),
        ),
        migrations.AlterField(
            model_name="person",
            name="phone",
            field=asamblea.federation.fields.EncryptedTextField(blank=True, max_length=32),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
    ]
