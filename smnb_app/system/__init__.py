"""Process helpers below everything else: log redaction, garbage-collection pauses, owner-only files."""
