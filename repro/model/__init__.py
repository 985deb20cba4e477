"""Encoders: the tiny multilingual BERT (tokenizer + config) and model I/O for artifacts."""
