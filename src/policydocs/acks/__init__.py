"""The acknowledgement service: employees confirm each published version they read."""
