"""The clients reward-server's compatibility routes are for, driven against a live server.

    python3 compat_clients.py CLIENT BASE_URL MODEL

MODEL is the served model's name, which the clients whose API names a model (cohere, verl) send.

Prints one JSON object: the pairs the client scored (prompt, response; "" for a single text), the
scores it read, and whether they are activated (sigmoid) or raw. The Swift test scores the same
pairs through /score and compares. Real PyPI clients for cohere, Haystack, LlamaIndex,
huggingface_hub and openai; for OpenRLHF and verl, whose packages pull in torch/ray/deepspeed,
minimal clients that send what theirs send (payload, headers, timeouts, retries) and read what
theirs read.
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

MODEL = sys.argv[3] if len(sys.argv) > 3 else "reward-model"
QUERY = "What is the capital of France?"
DOCUMENTS = ["Paris is the capital of France.", "I like turtles.", "The capital of France is Paris, on the Seine."]


def emit(pairs, scores, activated, **extra):
    print(json.dumps({"pairs": pairs, "scores": scores, "activated": activated, **extra}))


def by_index(results, index_key, score_key):
    """Scores in document order from a ranked answer."""
    scores = [None] * len(DOCUMENTS)
    for item in results:
        scores[item[index_key]] = item[score_key]
    return scores


def cohere_v1(base):
    import cohere

    client = cohere.Client(api_key="unused", base_url=base)
    answer = client.rerank(model=MODEL, query=QUERY, documents=DOCUMENTS, top_n=3)
    scores = [None] * len(DOCUMENTS)
    for result in answer.results:
        scores[result.index] = result.relevance_score
    emit([[QUERY, d] for d in DOCUMENTS], scores, False)


def cohere_v2(base):
    import cohere

    client = cohere.ClientV2(api_key="unused", base_url=base)
    answer = client.rerank(model=MODEL, query=QUERY, documents=DOCUMENTS, top_n=2)
    order = [result.index for result in answer.results]
    emit([[QUERY, DOCUMENTS[i]] for i in order], [r.relevance_score for r in answer.results], False)


def haystack(base):
    from haystack import Document
    from haystack_integrations.components.rankers.huggingface_api import HuggingFaceTEIRanker

    ranker = HuggingFaceTEIRanker(url=base, top_k=3)
    documents = ranker.run(query=QUERY, documents=[Document(content=d) for d in DOCUMENTS])["documents"]
    emit([[QUERY, d.content] for d in documents], [d.score for d in documents], True)


def llamaindex(base):
    from llama_index.core.schema import NodeWithScore, TextNode
    from llama_index.postprocessor.tei_rerank import TextEmbeddingInference

    reranker = TextEmbeddingInference(base_url=base, top_n=3)
    nodes = [NodeWithScore(node=TextNode(text=d)) for d in DOCUMENTS]
    ranked = reranker.postprocess_nodes(nodes, query_str=QUERY)
    emit([[QUERY, n.node.get_content()] for n in ranked], [n.score for n in ranked], True)


def hf_text_classification(base):
    from huggingface_hub import InferenceClient

    client = InferenceClient(model=base)
    outputs = client.text_classification(DOCUMENTS[0])
    emit([[DOCUMENTS[0], ""]], [outputs[0].score], True, labels=[o.label for o in outputs])


def hf_text_classification_labels(base):
    """An N-label classifier: every label as the client reads it, then top_k=1 (labels last)."""
    from huggingface_hub import InferenceClient

    client = InferenceClient(model=base)
    outputs = client.text_classification(DOCUMENTS[0])
    top = client.text_classification(DOCUMENTS[0], top_k=1)
    emit([[DOCUMENTS[0], ""]] * len(outputs), [o.score for o in outputs], True,
         labels=[o.label for o in outputs] + [o.label for o in top])


def openai_models(base):
    import openai

    client = openai.OpenAI(base_url=base + "/v1", api_key="unused")
    models = client.models.list()
    emit([], [], False, models=[m.id for m in models.data])


def post_like_openrlhf(url, data, score_key="rewards", try_max_times=5):
    """OpenRLHF's request_api_wrapper: JSON POST, 180 s timeout, up to 5 tries 1 s apart, reads score_key."""
    import requests

    headers = {"Content-Type": "application/json"}
    for _ in range(try_max_times):
        try:
            response = requests.post(url=url, json=data, headers=headers, timeout=180)
            response.raise_for_status()
            response = response.json()
            assert score_key in response, f"{score_key} not in {response}"
            return response
        except requests.RequestException as error:
            print(f"Request error, please check: {error}", file=sys.stderr)
        time.sleep(1)
    raise SystemExit(f"Request error for {try_max_times} times")


def openrlhf_rollout(count):
    """Prompts and prompt+response queries as the trainer builds them."""
    prompts = [f"Question {i}: how many legs does a spider have?" for i in range(count)]
    queries = [p + (" Eight legs." if i % 2 == 0 else " I do not know.") for i, p in enumerate(prompts)]
    return prompts, queries


def openrlhf_batch(base):
    """The older trainer: one request for the whole rollout batch."""
    prompts, queries = openrlhf_rollout(300)
    answer = post_like_openrlhf(base + "/get_reward", {"query": queries, "prompts": prompts, "labels": None})
    assert answer["scores"] == answer["rewards"] and answer["extra_logs"] == {}, answer
    emit([[p, q[len(p):]] for p, q in zip(prompts, queries)], answer["rewards"], False)


def openrlhf_per_item(base):
    """The newer trainer: one sample per request, many in flight; every other reward server gets empty lists."""
    prompts, queries = openrlhf_rollout(64)
    urls = [base + "/get_reward", base + "/get_reward"]

    def one(i):
        answers = []
        for server, url in enumerate(urls):
            own = server == 0
            data = {
                "query": [queries[i]] if own else [],
                "prompts": [prompts[i]] if own else [],
                "labels": ["8"] if own else [],
            }
            answers.append(post_like_openrlhf(url, data))
        assert answers[1] == {"rewards": [], "scores": [], "extra_logs": {}}, answers[1]
        return answers[0]["rewards"][0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        rewards = list(pool.map(one, range(len(queries))))
    emit([[p, q[len(p):]] for p, q in zip(prompts, queries)], rewards, False)


def verl(base):
    """verl's discriminative reward model against a vLLM server: /classify, activation off, probs[0] is the reward."""
    import requests

    texts = [f"Question: Hi\nAnswer: answer {i}" for i in range(8)]
    payload = {"model": MODEL, "input": texts, "use_activation": False, "add_special_tokens": False}
    response = requests.post(base + "/classify", json=payload, timeout=300)
    response.raise_for_status()
    data = response.json()["data"]
    emit([[t, ""] for t in texts], [item["probs"][0] for item in data], False)


CLIENTS = {
    "cohere-v1": cohere_v1, "cohere-v2": cohere_v2, "haystack": haystack, "llamaindex": llamaindex,
    "hf-text-classification": hf_text_classification, "openai-models": openai_models,
    "hf-text-classification-labels": hf_text_classification_labels,
    "openrlhf-batch": openrlhf_batch, "openrlhf-per-item": openrlhf_per_item, "verl": verl,
}

if __name__ == "__main__":
    CLIENTS[sys.argv[1]](sys.argv[2].rstrip("/"))
