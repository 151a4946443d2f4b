from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark's seeding command; installed only by ``bench.settings``."""

    name = "bench"
    verbose_name = "Benchmark"
