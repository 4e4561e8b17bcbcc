# bash completion for git aos. git's own completion calls _git_aos for
# "git aos <TAB>"; the same function completes git-aos. Load it after
# git's completion:
#   source <(git aos completion bash)
# or save it where bash-completion loads it:
#   git aos completion bash > ~/.local/share/bash-completion/completions/git-aos
_git_aos ()
{
	local i start=0
	if [[ ${words[0]##*/} == git-aos ]]; then
		start=1
	elif [[ -n ${__git_cmd_idx-} ]]; then
		start=$((__git_cmd_idx + 1))
	else
		for ((i = 1; i < cword; i++)); do
			if [[ ${words[i]} == aos ]]; then
				start=$((i + 1))
				break
			fi
		done
	fi
	((start > 0)) || return
	local out
	out=$(git-aos __complete "${words[@]:start:cword-start}" "$cur" 2>/dev/null) || return
	local directive=${out##*:} line sfx=" "
	out=${out%:*}
	# 1: error; 2: no space after the word; 4: no file names.
	((directive & 1)) && return
	((directive & 2)) && sfx=""
	COMPREPLY=()
	local IFS=$'\n'
	for line in $out; do
		line=${line%%$'\t'*}
		if [[ -n $line && $line == "$cur"* ]]; then
			COMPREPLY+=("$line$sfx")
		fi
	done
	if ((${#COMPREPLY[@]} == 0 && (directive & 4) == 0)); then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
if declare -F __git_complete >/dev/null; then
	__git_complete git-aos _git_aos
fi
