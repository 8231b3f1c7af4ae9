"""Writes squad-unicode-cases.json: SQuAD scoring edge cases with the scores the official scripts give them.

Usage: python3 squad_unicode_cases.py path/to/evaluate-v1.1.py path/to/evaluate-v2.0.py > squad-unicode-cases.json

The official scripts (https://rajpurkar.github.io/SQuAD-explorer/) are not part of this repository: download them and
pass their paths. Each case is one question (its gold answers) and one prediction; the file records Python's
normalize_answer of the prediction and the per-question exact match and F1 under each script (v1.1's `evaluate` on a
one-question dataset, v2.0's `get_raw_scores`). SquadMetricsTests reads the file.
"""
import importlib.util
import json
import sys
import types

sys.modules.setdefault("numpy", types.ModuleType("numpy"))  # evaluate-v2.0.py imports it for plots only


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = [
    # (what it tests, gold answers, prediction)
    ("final sigma at a word's end", ["ΟΔΟΣ"], "οδος"),
    ("final sigma: a non-final sigma is not equal", ["ΟΔΟΣ"], "οδοσ"),
    ("sigma at a word's start stays σ", ["ΣΑΣ"], "σας"),
    ("a lone sigma stays σ", ["Σ"], "σ"),
    ("sigma before punctuation is final", ["ΛΟΓΟΣ."], "λογος"),
    ("apostrophe is case-ignorable: σ before a cased letter", ["ΑΣ'Α"], "ασα"),
    ("apostrophe is case-ignorable: ς after one", ["Α'Σ"], "ας"),
    ("combining mark after sigma is skipped", ["ΑΣ\u0301"], "ας\u0301"),
    ("digit before sigma is not cased", ["1Σ"], "1σ"),
    ("modifier letter is case-ignorable, not cased", ["\u02b0Σ"], "\u02b0σ"),
    ("dotted capital I lowers to i + combining dot", ["İstanbul"], "istanbul"),
    ("dotted capital I equals i + U+0307", ["İstanbul"], "i\u0307stanbul"),
    ("Kelvin sign lowers to k", ["\u212a2"], "k2"),
    ("capital sharp s lowers to ß", ["STRAẞE"], "straße"),
    ("titlecase digraph", ["ǅemal"], "ǆemal"),
    ("Deseret capital (outside the BMP) lowers", ["\U00010400"], "\U00010428"),
    ("Roman numeral capital lowers", ["Ⅻ"], "ⅻ"),
    ("combining mark after an article is not a word character", ["the\u0301 cat"], "\u0301 cat"),
    ("combining mark inside a word keeps it a word", ["cafe\u0301 the cat"], "cafe\u0301 cat"),
    ("ZWJ after an article is not a word character", ["the\u200dcat"], "\u200dcat"),
    ("superscript digit is a word character", ["the\u00b2"], "the\u00b2"),
    ("vulgar fraction is a word character", ["a\u00bd"], "a\u00bd"),
    ("Roman numeral is a word character", ["an\u216b"], "an\u216b"),
    ("connector punctuation other than _ is not a word character", ["the\u203fcat"], "\u203fcat"),
    ("underscore is a word character", ["the_cat"], "the_cat"),
    ("information separators split words", ["cat\x1fdog\x1cbird"], "cat dog bird"),
    ("group and record separators split words", ["cat\x1ddog\x1ebird"], "cat dog bird"),
    ("next line and no-break space split words", ["cat\x85dog\xa0bird"], "cat dog bird"),
    ("ideographic and narrow spaces split words", ["cat\u3000dog\u202fbird"], "cat dog bird"),
    ("zero-width space does not split", ["cat\u200bdog"], "cat dog"),
    ("gold that normalises to empty, empty prediction", ["the"], ""),
    ("gold that normalises to empty, non-empty prediction", ["!!"], "x"),
    ("an empty-normalising gold among others", ["an", "Paris"], "paris"),
    ("only empty-normalising golds, prediction an article", ["the", "a"], "an"),
    ("partial overlap with repeated words", ["the cat and the other cat"], "cat cat dog"),
]


def main():
    v1 = load(sys.argv[1], "evaluate_v1_1")
    v2 = load(sys.argv[2], "evaluate_v2_0")
    out = []
    for i, (what, golds, prediction) in enumerate(CASES):
        qid = f"u{i}"
        dataset = [{"paragraphs": [{"context": "", "qas": [{"id": qid, "answers": [{"text": g, "answer_start": 0} for g in golds]}]}]}]
        one = v1.evaluate(dataset, {qid: prediction})
        exact, f1 = v2.get_raw_scores(dataset, {qid: prediction})
        out.append({
            "what": what, "gold": golds, "prediction": prediction,
            "normalized": v2.normalize_answer(prediction),
            "v1": {"exact": one["exact_match"] / 100, "f1": one["f1"] / 100},
            "v2": {"exact": float(exact[qid]), "f1": float(f1[qid])},
        })
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
