from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ccops', '0003_sharedgoal_goaladjustment_backlogsnapshot_and_more'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='kpisnapshot',
            name='kpisnap_kind_day',
        ),
        migrations.RemoveIndex(
            model_name='kpisnapshot',
            name='kpisnap_team_day',
        ),
        migrations.AddIndex(
            model_name='kpisnapshot',
            index=models.Index(condition=models.Q(('scope_kind__in', ['team', 'office', 'overall'])), fields=['scope_kind', 'day', 'kpi'], name='kpisnap_kind_day'),
        ),
        migrations.AddIndex(
            model_name='kpisnapshot',
            index=models.Index(condition=models.Q(('scope_kind', 'agent')), fields=['team', 'day'], name='kpisnap_agent_team_day'),
        ),
    ]
