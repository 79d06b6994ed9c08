"""What every feature of the web layer uses: process collaborators, the audit writer, failures, outages."""
