#compdef git-aos
#description safe, audited changes by AI agents (ArchitectOS)
# zsh completion for git aos. zsh's git completion calls _git-aos for
# "git aos <TAB>", and compdef makes it complete git-aos too. Save it as
# _git-aos in a directory of $fpath, before compinit runs:
#   git aos completion zsh > ~/.zsh/completions/_git-aos
#   fpath=(~/.zsh/completions $fpath); autoload -Uz compinit; compinit

_git-aos() {
	local -a lines comps
	local out directive line
	# words: aos ARGS... under git's completion, git-aos ARGS... alone.
	out=$(git-aos __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null) || return 1
	lines=("${(@f)out}")
	directive=${lines[-1]#:}
	[[ $directive == <-> ]] || return 1
	# 1: error; 2: no space after the word; 4: no file names.
	(( directive & 1 )) && return 1
	for line in "${(@)lines[1,-2]}"; do
		[[ -n $line ]] && comps+=("${line%%$'\t'*}")
	done
	if (( ${#comps} )); then
		if (( directive & 2 )); then
			compadd -S '' -- "${comps[@]}"
		else
			compadd -- "${comps[@]}"
		fi
	elif (( ! (directive & 4) )); then
		_files
	fi
}

_git-aos "$@"
