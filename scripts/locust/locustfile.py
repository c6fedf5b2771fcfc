"""Sock Shop shoppers for scripts/kind-up.sh: each user browses the catalogue, looks at an
item, and now and then adds it to the cart."""

import random

from locust import HttpUser, between, task

# Item ids of the Sock Shop catalogue database image.
ITEMS = [
    "03fef6ac-1896-4ce8-bd69-b798f85c6e0b",
    "3395a43e-2d88-40de-b95f-e00e1502085b",
    "510a0d7e-8e83-4193-b483-e27e09ddc34d",
    "808a2de1-1aaa-4c25-a9b9-6612e8f29a38",
    "819e1fbf-8b7e-4f6d-811f-693534916a8b",
    "837ab141-399e-4c1f-9abc-bace40296bac",
    "a0a4f044-b040-410d-8ead-4de0446aec7e",
    "d3588630-ad8e-49df-bbd7-3167f7efb246",
]


class Shopper(HttpUser):
    """Browses like a visitor: front page, catalogue, an item, sometimes the cart."""

    wait_time = between(1, 3)

    @task(4)
    def browse(self):
        self.client.get("/")
        self.client.get("/category.html")
        self.client.get("/catalogue?size=6&page=1")

    @task(3)
    def look_at_an_item(self):
        item = random.choice(ITEMS)
        self.client.get(f"/detail.html?id={item}", name="/detail.html")
        self.client.get(f"/catalogue/{item}", name="/catalogue/[id]")

    @task(1)
    def add_to_cart(self):
        item = random.choice(ITEMS)
        self.client.post("/cart", json={"id": item, "quantity": 1})
        self.client.get("/basket.html")
