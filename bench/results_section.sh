# Sourced by the bench scripts that own a section of bench/results.md.
# results_section FILE NAME TEXT: TEXT (which begins with <!-- NAME --> and
# ends with <!-- /NAME -->) takes the place of FILE's section between those
# markers, or is appended to FILE when it has none.
results_section() {
    local md=$1 name=$2 text=$3
    if grep -q "<!-- $name -->" "$md"; then
        awk -v s="$text" -v first="<!-- $name -->" -v last="<!-- /$name -->" \
            'BEGIN{skip=0} $0 == first {print s; skip=1; next} $0 == last {skip=0; next} !skip' \
            "$md" >"$md.tmp" && mv "$md.tmp" "$md"
    else
        printf '\n%s\n' "$text" >>"$md"
    fi
}
