"""The weekly multidisciplinary team (MDT) review: panels, meetings, agendas, decisions, minutes."""
