# Tree state and complete-subtree nodes, so that appends and proofs are O(log n);
# checkpoints keep the exact signed time instead of a free-text note; entries
# keep a ballot tracker they publish, to be found by it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0001_initial'),
        ('record', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='TreeState',
            fields=[
                ('federation', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='record_tree', serialize=False, to='federation.federation')),
                ('size', models.PositiveBigIntegerField(default=0)),
                ('frontier', models.BinaryField(default=b'')),
                ('root_hash', models.CharField(max_length=64)),
            ],
        ),
        # No checkpoint was ever written before this migration: nothing is lost.
        migrations.RemoveField(
            model_name='checkpoint',
            name='body',
        ),
        migrations.AddField(
            model_name='checkpoint',
            name='time',
            field=models.CharField(default='', max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='entry',
            name='tracker',
            field=models.CharField(blank=True, db_index=True, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name='checkpoint',
            name='public_key',
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name='checkpoint',
            name='signature',
            field=models.CharField(max_length=100),
        ),
        migrations.CreateModel(
            name='Node',
            fields=[
                ('pk', models.CompositePrimaryKey('federation_id', 'level', 'position', blank=True, editable=False, primary_key=True, serialize=False)),
                ('level', models.PositiveSmallIntegerField()),
                ('position', models.PositiveBigIntegerField()),
                ('hash', models.BinaryField(max_length=32)),
                ('federation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='federation.federation')),
            ],
        ),
    ]
