from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from contacts.services import ContactsError, source_create


class Command(BaseCommand):
    help = "Create a contact-event source and print its secret (shown this once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The source's name, sent as X-Ccops-Source.")

    def handle(self, *args, name, **options):
        try:
            source, secret = source_create(name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except ContactsError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"Source {source.name} created. Its secret, shown this once:")
        self.stdout.write(secret)
