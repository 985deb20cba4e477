"""Stage functions ``run(ctx: StageContext)``, one module per stage (stages.md)."""
