from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("candidates", "0004_encrypted_id_number")]

    operations = [
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.UniqueConstraint(
                fields=("id_number_hmac", "exam", "id_type"), name="one_candidate_per_id_per_exam"
            ),
        ),
    ]
