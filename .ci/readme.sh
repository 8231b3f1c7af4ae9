# Sourced by the consumer checks: the README's recipes, run as written. Needs $repo (the repository root).

# readme_block SECTION N LANG: the Nth ```LANG block under the README heading "## SECTION" (or "### SECTION").
readme_block() {
    awk -v section="$1" -v n="$2" -v lang="$3" '
        /^##+ / { here = ($0 ~ "^##+ " section "$") }
        here && !inside && $0 == "```" lang { inside = 1; count++; next }
        inside && /^```$/ { inside = 0; if (count == n) exit; next }
        inside && count == n { print }' "$repo/README.md"
}

# readme_feed: the README's local-feed recipe ("From C# code": pack every package with a fresh version), run in the
# repository, unless an earlier step already did (ELECTRA_VERSION set). Exports ELECTRA_REPO, ELECTRA_FEED and
# ELECTRA_VERSION as the recipe does, and fails unless every src/ project's package is in the feed at that version.
readme_feed() {
    if [ -z "${ELECTRA_VERSION:-}" ]; then
        local block; block=$(readme_block "From C# code" 1 bash)
        [ -n "$block" ] || { echo "README.md: no \`\`\`bash block under '## From C# code'" >&2; return 1; }
        echo "+ the README's local-feed recipe:"; echo "$block"
        local here=$PWD
        cd "$repo" && eval "$block"; cd "$here" || return 1
    fi
    local project missing=0
    for project in "$ELECTRA_REPO"/src/*/; do
        project=$(basename "$project")
        local id; id=$(sed -n 's:.*<PackageId>\(.*\)</PackageId>.*:\1:p' "$ELECTRA_REPO/src/$project/$project.csproj")
        [ -f "$ELECTRA_FEED/${id:-$project}.$ELECTRA_VERSION.nupkg" ] || { echo "feed: no ${id:-$project}.$ELECTRA_VERSION.nupkg" >&2; missing=1; }
    done
    return $missing
}

# resolved_from_feed: in an app folder after restore, every Electra package resolved is $ELECTRA_VERSION (no older
# build from the NuGet cache, no NU1603 "approximate best match").
resolved_from_feed() {
    local others
    others=$(grep -oE '"Electra\.[A-Za-z.]+/[^"]+"' obj/project.assets.json | sort -u | grep -v "/$ELECTRA_VERSION\"" || true)
    [ -z "$others" ] || { echo "resolved another version than $ELECTRA_VERSION: $others" >&2; return 1; }
}
