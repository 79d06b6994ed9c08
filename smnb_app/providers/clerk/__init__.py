"""Clerk: its configuration, its Backend API, its webhooks and its React components."""
