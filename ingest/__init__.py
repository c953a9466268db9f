"""Ingestion: loaders → clean → chunk → embed → write, one module a stage."""
