"""Internals of the synthetic world; the public entry point is :mod:`repro.data.synthetic`."""
