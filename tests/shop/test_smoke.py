import httpx


async def test_health(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_order(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/orders/EF-100001")
    assert response.status_code == 200
    assert response.json()["eta"] == "2026-11-25"
