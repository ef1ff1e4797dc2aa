from django.db import migrations, models


def no_declined_payment(apps, schema_editor):
    """No release ever set "declined"; a row that has it was written by hand and
    must be looked at by hand, not rewritten here."""
    Payment = apps.get_model("payments", "Payment")
    count = Payment.objects.filter(status="declined").count()
    if count:
        raise RuntimeError(
            f"{count} payment(s) have the status 'declined', which no code sets: "
            "decide by hand what they are (cancelled or expired) before migrating."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_verbose_names"),
    ]

    operations = [
        migrations.RunPython(no_declined_payment, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="status",
            field=models.CharField(
                choices=[
                    ("awaiting_confirmation", "Awaiting confirmation"),
                    ("approved", "Approved"),
                    ("expired", "Expired"),
                    ("cancelled", "Cancelled"),
                ],
                default="awaiting_confirmation",
                max_length=32,
                verbose_name="status",
            ),
        ),
    ]
