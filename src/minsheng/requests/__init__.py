"""Citizen requests (诉求/工单): every channel in, a tracking number, dispatch, a timeline."""
