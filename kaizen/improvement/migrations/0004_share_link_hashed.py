"""Report links: only the SHA-256 of a link's token is kept, and a link expires.

Links made before keep working: their tokens are hashed in place and they expire after the
default number of days (KAIZEN_SHARE_LINK_DAYS) from the migration.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def hash_tokens(apps, schema_editor):
    Initiative = apps.get_model("improvement", "Initiative")
    expires_at = timezone.now() + dt.timedelta(
        days=int(getattr(settings, "KAIZEN_SHARE_LINK_DAYS", 30))
    )
    shared = Initiative.objects.exclude(share_token_hash=None).exclude(share_token_hash="")
    for initiative in shared.only("pk", "share_token_hash"):
        digest = hashlib.sha256(initiative.share_token_hash.encode("utf-8")).hexdigest()
        Initiative.objects.filter(pk=initiative.pk).update(
            share_token_hash=digest, share_expires_at=expires_at
        )
    Initiative.objects.filter(share_token_hash="").update(share_token_hash=None)


def revoke_links(apps, schema_editor):
    """On the way back a stored hash would become a working token: every link is revoked."""
    Initiative = apps.get_model("improvement", "Initiative")
    Initiative.objects.exclude(share_token_hash=None).update(share_token_hash=None)


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0003_opportunity_change_incidents"),
    ]

    operations = [
        migrations.RenameField(
            model_name="initiative", old_name="share_token", new_name="share_token_hash"
        ),
        migrations.AddField(
            model_name="initiative",
            name="share_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(hash_tokens, revoke_links),
    ]
