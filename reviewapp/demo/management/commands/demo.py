from django.core.management.base import BaseCommand

from reviewapp.demo.services import demo_load


class Command(BaseCommand):
    help = "Load the synthetic demo data set (idempotent): staff, policy library and cases."

    def handle(self, *args, **options) -> None:
        demo_load(say=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
