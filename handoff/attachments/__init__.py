"""Customers' photos: content checks and re-encoding (images), the file store (storage), the
records and their JSON shapes (records). Shared by the gateway (upload) and the console."""
