"""The training and inference loops the stages call: MLM pretraining, task fine-tuning (with the
continual-learning loss), and evaluation. Stages only adapt artifacts to these functions."""
