"""Two people saving the draft minutes from the same page: the second gets 409, nothing lost."""

import re

from django.test import Client
from django.urls import reverse

from mdt import workflow
from mdt.models import Minutes


def test_the_second_save_of_the_minutes_is_refused_and_keeps_its_text(published, sasha, sam):
    workflow.save_minutes(published.meeting, actor=sasha, text="Opening notes.")
    url = reverse("mdt-minutes", args=[published.meeting_id])
    secretary, chair = Client(), Client()
    secretary.force_login(sasha)
    chair.force_login(sam)  # a supervisor on the panel may minute too
    secretary_page, chair_page = secretary.get(url), chair.get(url)

    def revision(page):
        return re.search(r'name="revision" value="(\d+)"', page.content.decode()).group(1)

    saved = secretary.post(url, {"text": "Secretary: item 1 continued.",
                                 "revision": revision(secretary_page)})
    refused = chair.post(url, {"text": "Chair: item 1 closed.", "revision": revision(chair_page)})

    assert saved.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Chair: item 1 closed." in body and "Secretary: item 1 continued." in body
    assert Minutes.objects.get(meeting=published.meeting).text == "Secretary: item 1 continued."
