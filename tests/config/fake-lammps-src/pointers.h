/* placeholder: only its existence is checked by the configuration test */
